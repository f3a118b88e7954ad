"""Multi-network presets: reading, writing, schema errors inside a network, and the generator/discriminator fit."""

from __future__ import annotations

import json

import pytest

from workbench.spec import PresetError, load_preset, parse_preset
from workbench.spec.networks import fit_problems
from workbench.spec.networks_io import (
    dumps_networks, load_named_networks, network_preset_paths, networks_from_data, parse_networks, save_networks,
)
from workbench.spec.preset_io import preset_paths


def _data(slug="cdcgan_mnist"):
    return json.loads(network_preset_paths()[slug].read_text(encoding="utf-8"))


def test_bundled_multi_network_presets_round_trip_and_stay_out_of_the_single_list(tmp_path):
    assert sorted(network_preset_paths()) == ["cdcgan_mnist", "dcgan_mnist", "gan_mlp_mnist"]
    assert not set(network_preset_paths()) & set(preset_paths())
    for slug, path in network_preset_paths().items():
        networks = load_named_networks(slug)
        assert list(networks.networks) == ["generator", "discriminator"] and networks.task == "gan"
        assert dumps_networks(networks) == path.read_text(encoding="utf-8")
        save_networks(networks, tmp_path / f"{slug}.json")
        assert parse_networks((tmp_path / f"{slug}.json").read_text()).to_dict() == networks.to_dict()


def test_single_network_reader_names_the_networks_instead_of_failing():
    text = network_preset_paths()["dcgan_mnist"].read_text(encoding="utf-8")
    with pytest.raises(PresetError, match=r"holds several networks \(generator, discriminator\)"):
        parse_preset(text, "dcgan.json")
    single = preset_paths()["lenet5"]
    with pytest.raises(PresetError, match="single-network preset"):
        networks_from_data(json.loads(single.read_text()), "lenet5.json")
    assert load_preset(single).name == "LeNet-5"


def test_schema_errors_name_the_network_and_layer():
    data = _data()
    data["networks"]["discriminator"]["layers"][4]["kind"] = "x"
    with pytest.raises(PresetError) as info:
        networks_from_data(data, "gan.json")
    assert "gan.json: networks.discriminator: layer 'conv1' (layers[4]): Additional properties" in str(info.value)
    data = _data()
    data["input_shape"] = [28, 28, 1]
    with pytest.raises(PresetError, match="gan.json: top level"):
        networks_from_data(data, "gan.json")


def test_generator_output_must_fit_the_discriminator_input():
    data = _data()
    data["networks"]["generator"]["layers"][-1]["config"]["filters"] = 3
    with pytest.raises(PresetError) as info:
        networks_from_data(data, "gan.json")
    assert str(info.value).endswith(
        "gan.json: cDCGAN (MNIST): the generator's output 'image' is [28, 28, 3] but the discriminator's input 'input' is [28, 28, 1]"
    )


def test_condition_inputs_must_match_by_name_and_shape():
    networks = load_named_networks("cdcgan_mnist")
    networks.network("discriminator").layer("label").config["shape"] = [12]
    networks.network("discriminator").layer("label_pixel").config["target_shape"] = [1, 1, 12]
    assert fit_problems(networks) == [
        "cDCGAN (MNIST): condition input 'label' is [10] in the generator but [12] in the discriminator"
    ]
    networks = load_named_networks("cdcgan_mnist")
    networks.network("discriminator").layer("label").name = "digit"
    for layer in networks.network("discriminator").layers:
        if layer.inputs == ["label"]:
            layer.inputs = ["digit"]
    assert fit_problems(networks) == [
        "cDCGAN (MNIST): the discriminator's condition input 'digit' is not an input of the generator",
        "cDCGAN (MNIST): the generator's condition input 'label' is not an input of the discriminator",
    ]
    del networks.networks["discriminator"]
    assert fit_problems(networks) == ["cDCGAN (MNIST): a GAN needs networks generator and discriminator; missing discriminator"]
